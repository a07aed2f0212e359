from django.conf import settings

from jiliang.ui.navigation import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    return {
        "menu": menu_for(user, request.path) if user is not None else [],
        "languages": settings.LANGUAGES,
    }
