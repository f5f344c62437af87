"""Server-rendered pages, one module per area, beside `api/`. They call the same access checks,
selectors and services as the API, and their JSON bootstraps use the API's output serializers."""
