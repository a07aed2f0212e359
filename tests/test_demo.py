"""`jiliang demo --no-serve`, the data set a new user first sees, on the suite's database (SQLite
or PostgreSQL): it loads, prints the logins, its transparency log is published and consistent, and
its simulated day of device data has raised alerts that the regulators' inbox shows."""

import io

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from jiliang.accounts.models import User

from jiliang.ledger import selectors
from jiliang.ledger.merkle import hash_leaf, verify_inclusion
from jiliang.monitoring.models import Alert, Device
from jiliang.registry.models import Instrument


@pytest.mark.django_db
def test_the_demo_loads_prints_its_logins_and_publishes_its_log():
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    printed = out.getvalue()
    assert "Demo logins for http://127.0.0.1:8000/" in printed and "city" in printed
    assert Instrument.objects.count() > 10_000

    published = selectors.published_checkpoint()
    assert published is not None and published.checkpoint.size == selectors.tree_size() > 0
    assert Client().get("/log/checkpoint").status_code == 200
    index = published.checkpoint.size - 1
    size, proof = selectors.inclusion_proof(index)
    verify_inclusion(index, size, hash_leaf(selectors.entry_at(index)), proof, published.checkpoint.root_hash)

    alert = Alert.objects.order_by("id").first()
    assert alert is not None and Device.objects.filter(kind="meter").exists()
    city = Client()
    city.force_login(User.objects.get(username="city"))
    inbox = city.get(reverse("monitoring:alert-list"))
    assert inbox.status_code == 200 and alert.rule_code in inbox.content.decode()
