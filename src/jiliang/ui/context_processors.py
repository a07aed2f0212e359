from django.conf import settings

from jiliang.notifications.selectors import unread_count
from jiliang.ui.home import role_label, scope_label
from jiliang.ui.navigation import menu_for


def navigation(request):
    """The shell's context: the menu, the reader's name, role and jurisdiction, unread notices.

    At most two queries per page (the unread count, the division or organization or institution name).
    """
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "menu": menu_for(user, request.path) if user is not None else [],
        # Each language named in itself ("简体中文", "English") whatever the page's language.
        "languages": settings.LANGUAGES,
        "unread_notifications": unread_count(user) if signed_in else 0,
        "user_role_label": role_label(user) if signed_in else "",
        "user_scope_label": scope_label(user) if signed_in else "",
        "city_name": settings.JILIANG_CITY_NAME,
        "bureau_name": settings.JILIANG_BUREAU_NAME,
    }
