from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """{"count", "next", "previous", "results"}; ?page=N and ?page_size=M (at most 200)."""

    page_size_query_param = "page_size"
    max_page_size = 200


def paginated(request, view, queryset, serializer_class, **serializer_kwargs):
    """One page of `queryset` as {"count", "next", "previous", "results"}, each item through `serializer_class`."""
    paginator = Pagination()
    page = paginator.paginate_queryset(queryset, request, view=view)
    return paginator.get_paginated_response(serializer_class(page, many=True, **serializer_kwargs).data)
