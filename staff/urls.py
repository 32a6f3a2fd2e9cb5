from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    path("<str:slug>/", views.AuthorDetailView.as_view(), name="detail"),
]
