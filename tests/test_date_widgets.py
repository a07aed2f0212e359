"""Every date or datetime field of every form renders ISO (issue 12, defect 2): the browser's date
inputs show any other format as empty, and a form posted unchanged would erase the date."""

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.utils import timezone, translation

import jiliang
from jiliang.ui.widgets import DateInput, DateTimeInput


def _form_classes():
    for module_info in pkgutil.walk_packages(jiliang.__path__, "jiliang."):
        if module_info.name.rsplit(".", 1)[-1] in ("forms", "due_forms", "views"):
            module = importlib.import_module(module_info.name)
            for _name, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, forms.BaseForm) and cls.__module__ == module.__name__:
                    yield cls


DATE_FIELDS = [(cls, name, field) for cls in _form_classes() for name, field in cls.base_fields.items()
               if isinstance(field, forms.DateField | forms.DateTimeField)]


def test_the_project_has_date_fields_to_check():
    assert len(DATE_FIELDS) >= 10


@pytest.mark.parametrize(("cls", "name", "field"), DATE_FIELDS,
                         ids=[f"{cls.__name__}.{name}" for cls, name, _field in DATE_FIELDS])
def test_every_date_field_renders_iso_in_chinese(cls, name, field):
    with translation.override("zh-hans"):
        if isinstance(field, forms.DateTimeField):
            assert isinstance(field.widget, DateTimeInput)
            value = field.prepare_value(datetime.datetime(2028, 12, 5, 1, 30, tzinfo=datetime.UTC))
            assert 'value="2028-12-05T09:30"' in field.widget.render(name, value)
        else:
            assert isinstance(field.widget, DateInput)
            assert 'value="2028-12-05"' in field.widget.render(name, datetime.date(2028, 12, 5))


def test_a_datetime_round_trips_in_beijing_time():
    field = forms.DateTimeField(widget=DateTimeInput)
    with timezone.override("Asia/Shanghai"):
        moment = datetime.datetime(2028, 12, 5, 1, 30, tzinfo=datetime.UTC)
        rendered = field.widget.format_value(field.prepare_value(moment))
        assert rendered == "2028-12-05T09:30"
        assert field.clean(rendered) == moment
