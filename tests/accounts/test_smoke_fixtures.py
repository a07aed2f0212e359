from jiliang.accounts.models import Role


def test_owner_sees_only_its_own_organization_through_the_api(make_organization, make_user, api_client):
    own = make_organization("511902")
    make_organization("511902")
    owner = make_user(Role.OWNER, organization=own)
    body = api_client(owner).get("/api/v1/organizations").json()
    assert [item["id"] for item in body["items"]] == [own.pk]
