"""Per-request context the audit log records: the client address and a request id."""

import uuid

from jiliang.accounts.audit import RequestContext, current_request


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        token = current_request.set(
            RequestContext(ip_address=request.META.get("REMOTE_ADDR") or None, request_id=request.request_id)
        )
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        response["X-Request-ID"] = request.request_id
        return response
