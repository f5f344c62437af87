"""What every page needs to speak the reader's language: direction and digits."""

from django.utils import translation


def interface(request):
    digits = "latn"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from annotations.selectors.profiles import profile_preferences

        digits = profile_preferences(user)[1]
    elif request.COOKIES.get("workbench_digits") == "arab":
        digits = "arab"
    return {"interface_dir": "rtl" if translation.get_language_bidi() else "ltr", "interface_digits": digits}
