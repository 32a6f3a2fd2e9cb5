from django.urls import path, re_path

from articles import views

app_name = "articles"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("search/", views.search_view, name="search"),
    re_path(
        r"^(?P<year>[12][0-9]{3})/(?P<month>[0-9]{2})/$",
        views.ArticleMonthArchiveView.as_view(),
        name="month",
    ),
    path("category/<str:slug>/", views.SectionView.as_view(), name="section"),
    path("category/<str:parent>/<str:slug>/", views.nested_section, name="nested-section"),
    path("tag/<str:slug>/", views.TagView.as_view(), name="tag"),
    path("source/<str:slug>/", views.OutletView.as_view(), name="source"),
    path("corrections/", views.CorrectionListView.as_view(), name="corrections"),
    path("preview/<str:token>/", views.SharedPreviewView.as_view(), name="preview"),
    # Last: any other single path segment is an article's slug (WordPress-style URLs).
    path("<str:slug>/", views.article_or_page, name="detail"),
]
