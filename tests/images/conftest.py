import pytest
from django.contrib.auth.models import Group
from django.test import Client


@pytest.fixture
def newsroom_user(django_user_model):
    """Makes a staff user in one of the role groups the data migrations create."""

    def make(username, role):
        user = django_user_model.objects.create_user(username, password="pw", is_staff=True)
        user.groups.add(Group.objects.get(name=role))
        return user

    return make


@pytest.fixture
def writer(newsroom_user):
    return newsroom_user("farid", "Writers")


@pytest.fixture
def other_writer(newsroom_user):
    return newsroom_user("leila", "Writers")


@pytest.fixture
def desk_editor(newsroom_user):
    return newsroom_user("amina", "Editors")


@pytest.fixture
def writer_client(writer):
    client = Client()
    client.force_login(writer)
    return client


@pytest.fixture
def editor_client(desk_editor):
    client = Client()
    client.force_login(desk_editor)
    return client
