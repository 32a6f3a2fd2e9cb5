from django.urls import path

from live import views

app_name = "live"

urlpatterns = [
    path("<int:article_id>/", views.entries, name="entries"),
]
