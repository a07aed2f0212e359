"""The shell: sign-in, the home page of each role, and error pages that never show a traceback."""

import logging

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _

from jiliang.ui import home

logger = logging.getLogger("jiliang.ui")


class LoginView(auth_views.LoginView):
    template_name = "ui/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home_page(request):
    return render(request, "ui/home.html", home.context_for(request.user))


def _error(request, status: int, title: str, message: str):
    return render(request, "ui/error.html", {"status": status, "title": title, "message": message}, status=status)


def bad_request(request, exception=None):
    return _error(request, 400, _("请求有误"), _("请求无法处理，请检查后重试。"))


def permission_denied(request, exception=None):
    message = str(exception) if exception and str(exception) else _("您无权访问该页面或执行该操作。")
    return _error(request, 403, _("无权访问"), message)


def page_not_found(request, exception=None):
    return _error(request, 404, _("页面不存在"), _("未找到该页面，或该对象不在您的权限范围内。"))


def server_error(request):
    """Rendered without the request context: a failing context processor must not hide the error."""
    error_id = getattr(request, "request_id", "")
    html = loader.get_template("500.html").render({"error_id": error_id})
    return HttpResponseServerError(html)
