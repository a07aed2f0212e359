from django.conf import settings
from django.core.cache import cache
from django.utils.translation import get_language

from jiliang.notifications.selectors import unread_count
from jiliang.ui.home import role_label, scope_label
from jiliang.ui.navigation import menu_html

# The header's jurisdiction name (a division's, organization's or institution's) is one query per
# page; names change rarely, so it is kept this long, shared by every reader of the same binding.
SCOPE_LABEL_SECONDS = 300


def _scope_label(user) -> str:
    key = (f"ui:scope-label:{user.role}:{user.is_superuser}:{user.division_id}:{user.organization_id}:"
           f"{user.institution_id}:{user.department}:{get_language()}")
    label = cache.get(key)
    if label is None:
        label = scope_label(user)
        cache.set(key, label, SCOPE_LABEL_SECONDS)
    return label


def navigation(request):
    """The shell's context: the menu, the reader's name, role and jurisdiction, unread notices.

    No query on most pages: the menu is rendered once per role, language and active entry, the unread count and
    the jurisdiction's name are kept in the cache.
    """
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        # The sidebar's links as HTML (ui/includes/menu.html), empty for an anonymous reader.
        "menu": menu_html(user, request.path) if user is not None else "",
        # Each language named in itself ("简体中文", "English") whatever the page's language.
        "languages": settings.LANGUAGES,
        "unread_notifications": unread_count(user) if signed_in else 0,
        "user_role_label": role_label(user) if signed_in else "",
        "user_scope_label": _scope_label(user) if signed_in else "",
        "city_name": settings.JILIANG_CITY_NAME,
        "bureau_name": settings.JILIANG_BUREAU_NAME,
    }
