"""Imports and exports above JILIANG_BACKGROUND_ROWS run as background tasks (issue 14, item 7):
the page or the API starts the task and answers at once, the jobs process's ``tasks.run`` job runs
it, the task's page shows its progress and then the report or the file, only its starter and the
auditors see it, and a task a killed jobs process left running runs again."""

import os
import time
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from jiliang.accounts.models import AuditEvent, Role
from jiliang.jobs import registry, services
from jiliang.jobs.models import BackgroundTask, TaskState
from jiliang.registry.codes import make_uscc
from jiliang.registry.models import Organization
from jiliang.tmpfiles import sweep


def codes(count: int) -> list[str]:
    return [make_uscc("91", "511902", f"BG{n:06d}") for n in range(count)]


def sheet(*rows: str) -> SimpleUploadedFile:
    content = "\ufeff统一社会信用代码,单位名称,所属区划\n" + "".join(f"{row}\n" for row in rows)
    return SimpleUploadedFile("单位.csv", content.encode("utf-8"), content_type="text/csv")


def good_rows(count: int) -> list[str]:
    return [f"{code},单位{n},511902" for n, code in enumerate(codes(count))]


@pytest.fixture(autouse=True)
def _small_threshold(settings, tmp_path):
    settings.JILIANG_BACKGROUND_ROWS = 3
    settings.VAR_DIR = tmp_path / "var"
    settings.JILIANG_TMP_DIR = tmp_path / "tmp"
    settings.JILIANG_TMP_DIR.mkdir()
    services.PROGRESS_EVERY = 0.0


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_large_import_from_the_page_runs_in_the_background(city_regulator, auditor, make_user):
    client = signed_in(city_regulator)
    response = client.post("/registry/imports/organizations/", {"file": sheet(*good_rows(5))})
    task = BackgroundTask.objects.get()
    assert response.status_code == 302 and response.url == f"/tasks/{task.pk}/"
    assert not Organization.objects.exists()
    queued = client.get(response.url).content.decode()
    assert task.state == TaskState.QUEUED and "排队中" in queued
    assert '<meta http-equiv="refresh" content="2">' in queued and "<progress" in queued

    assert services.run_queued() == 1
    task.refresh_from_db()
    assert (task.state, task.done, task.total) == (TaskState.COMPLETED, 5, 5)
    assert task.report["created"] == 5 and task.report["written"] is True
    assert Organization.objects.count() == 5
    done = client.get(response.url).content.decode()
    assert "http-equiv" not in done and "已导入：新增 5 条" in done
    assert not (services.task_dir(task.pk) / services.UPLOAD).exists()
    actions = set(AuditEvent.objects.filter(object_id=str(task.pk)).values_list("action", flat=True))
    assert actions == {"task.import.start", "task.import.completed"}

    assert signed_in(auditor).get(response.url).status_code == 200
    other = make_user(Role.CITY_REGULATOR, division="511900")
    assert signed_in(other).get(response.url).status_code == 404
    assert str(task.pk) not in signed_in(other).get("/tasks/").content.decode()
    assert task.title in client.get("/tasks/").content.decode()


def test_a_background_import_with_bad_rows_writes_nothing_and_offers_the_annotated_sheet(city_regulator):
    client = signed_in(city_regulator)
    rows = good_rows(4) + ["X,坏,511902"]
    task_url = client.post("/registry/imports/organizations/", {"file": sheet(*rows)}).url
    services.run_queued()
    task = BackgroundTask.objects.get()
    assert task.state == TaskState.COMPLETED and task.report["written"] is False
    assert task.report["bad_rows"] == 1 and task.report["errors"][0]["row"] == 6
    assert not Organization.objects.exists()
    page = client.get(task_url).content.decode()
    assert "1 行有误，未导入任何数据" in page and f"/tasks/{task.pk}/file" in page
    download = client.get(f"/tasks/{task.pk}/file")
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("错误说明,") and len(text.splitlines()) == 6


def test_an_unreadable_background_import_fails_with_the_reason(city_regulator):
    client = signed_in(city_regulator)
    content = "\ufeff单位名称\n" + "甲\n" * 5
    upload = SimpleUploadedFile("单位.csv", content.encode(), content_type="text/csv")
    task_url = client.post("/registry/imports/organizations/", {"file": upload}).url
    services.run_queued()
    task = BackgroundTask.objects.get()
    assert task.state == TaskState.FAILED and "表头" in task.message
    assert "缺少必填列“统一社会信用代码”" in client.get(task_url).content.decode()


def test_a_task_whose_starter_lost_the_right_fails_with_the_reason(city_regulator):
    signed_in(city_regulator).post("/registry/imports/organizations/", {"file": sheet(*good_rows(5))})
    city_regulator.role = Role.AUDITOR
    city_regulator.save()
    services.run_queued()
    task = BackgroundTask.objects.get()
    assert task.state == TaskState.FAILED and "无权导入" in task.message
    assert not Organization.objects.exists()


def test_a_large_export_runs_in_the_background_and_a_small_one_does_not(city_regulator, make_organization):
    for _ in range(5):
        make_organization("511902")
    client = signed_in(city_regulator)
    response = client.get("/registry/organizations/", {"export": "csv", "q": ""})
    task = BackgroundTask.objects.get()
    assert response.status_code == 302 and response.url == f"/tasks/{task.pk}/"
    services.run_queued()
    task.refresh_from_db()
    assert (task.state, task.done, task.total, task.report) == (TaskState.COMPLETED, 5, 5, {"rows": 5})
    assert "下载导出文件" in client.get(response.url).content.decode()
    download = client.get(f"/tasks/{task.pk}/file")
    assert download["Content-Type"].startswith("text/csv")
    lines = b"".join(download.streaming_content).decode("utf-8-sig").splitlines()
    assert len(lines) == 6

    xlsx = client.get("/registry/organizations/", {"export": "xlsx"})
    assert xlsx.status_code == 302
    services.run_queued()
    assert BackgroundTask.objects.filter(state=TaskState.COMPLETED, result_file="result.xlsx").count() == 1

    Organization.objects.filter(pk__in=Organization.objects.values("pk")[:3]).delete()
    small = client.get("/registry/organizations/", {"export": "csv"})
    assert small.status_code == 200 and small["Content-Type"].startswith("text/csv")


def test_a_background_export_is_scoped_to_its_starter(bazhou_regulator, make_organization):
    for _ in range(4):
        make_organization("511902")
    for _ in range(6):
        make_organization("511923")  # 通江县: outside Bazhou district
    client = signed_in(bazhou_regulator)
    task_url = client.get("/registry/organizations/", {"export": "csv"}).url
    services.run_queued()
    task = BackgroundTask.objects.get()
    assert task.report == {"rows": 4}, task.message
    assert client.get(task_url).status_code == 200


def test_the_api_answers_202_with_a_task_to_poll(city_regulator, api_client, make_user):
    client = api_client(city_regulator)
    response = client.post("/api/v1/imports/organizations", {"file": sheet(*good_rows(4))})
    assert response.status_code == 202
    body = response.json()
    assert body["state"] == "queued" and body["total"] == 4 and body["file_url"] is None
    assert body["page_url"].endswith(f"/tasks/{body['id']}/")
    services.run_queued()
    polled = client.get(body["url"]).json()
    assert polled["state"] == "completed" and polled["report"]["created"] == 4 and polled["done"] == 4
    assert [t["id"] for t in client.get("/api/v1/tasks").json()] == [body["id"]]
    other = make_user(Role.CITY_REGULATOR, division="511900")
    assert api_client(other).get(body["url"]).status_code == 404
    assert api_client(other).get("/api/v1/tasks").json() == []
    assert client.get(f"/api/v1/tasks/{body['id']}/file").status_code == 404  # nothing to download
    assert client.get(f"/api/v1/tasks/{uuid.uuid4()}").status_code == 404


def test_a_task_a_killed_jobs_process_left_running_runs_again(city_regulator, monkeypatch):
    signed_in(city_regulator).post("/registry/imports/organizations/", {"file": sheet(*good_rows(5))})
    BackgroundTask.objects.update(state=TaskState.RUNNING, started_at=timezone.now(), done=2000)
    monkeypatch.setattr(services, "_orphans_requeued", False)  # a new jobs process
    assert services.run_queued() == 1
    assert BackgroundTask.objects.get().state == TaskState.COMPLETED
    assert Organization.objects.count() == 5


def test_the_tasks_job_is_registered():
    job = registry.find("tasks.run")
    assert job is not None and job.function() is services.run_queued


def test_the_sweep_spares_files_of_running_tasks_and_removes_expired_task_folders(city_regulator, settings):
    client = signed_in(city_regulator)
    client.post("/registry/imports/organizations/", {"file": sheet(*good_rows(5))})
    client.post("/registry/imports/organizations/", {"file": sheet(*good_rows(5))})
    running, finished = BackgroundTask.objects.order_by("created_at")
    eight_hours_ago = timezone.now() - timezone.timedelta(hours=8)
    BackgroundTask.objects.filter(pk=running.pk).update(state=TaskState.RUNNING, started_at=eight_hours_ago)
    BackgroundTask.objects.filter(pk=finished.pk).update(state=TaskState.COMPLETED,
                                                         finished_at=timezone.now() - timezone.timedelta(days=8))
    spool = settings.JILIANG_TMP_DIR / "jiliang-upload-running"
    spool.write_text("rows")
    seven_hours_ago = time.time() - 7 * 3600
    os.utime(spool, (seven_hours_ago, seven_hours_ago))
    sweep()
    assert spool.exists()  # newer than the running task's start
    assert services.task_dir(running.pk).exists() and not services.task_dir(finished.pk).exists()
    BackgroundTask.objects.filter(pk=running.pk).update(state=TaskState.FAILED, finished_at=timezone.now())
    sweep()
    assert not spool.exists()
