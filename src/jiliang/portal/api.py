"""/api/v1/search: the header's global search as an API, scoped like the page (portal/search.py)."""

from typing import Literal

from ninja import Field, Query, Router, Schema

from jiliang.portal import search

router = Router(tags=["search"])


class SearchIn(Schema):
    q: str = Field(min_length=1, max_length=search.MAX_QUERY, description="出厂编号或公开码、单位名称或信用代码、场所名称、证书编号")
    limit: int = Field(10, ge=1, le=50, description="每类最多返回的条数")


class HitOut(Schema):
    kind: Literal["instrument", "organization", "site", "certificate"]
    title: str
    detail: str
    url: str


@router.get("/search", response=list[HitOut], summary="全局搜索")
def global_search(request, filters: Query[SearchIn]):
    return search.search(request.auth, filters.q, limit=filters.limit)
