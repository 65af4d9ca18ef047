from django.urls import path

from regions import views

app_name = "regions"

urlpatterns = [
    path("", views.region_set_list, name="set_list"),
    path("region/<int:pk>/", views.region_detail, name="detail"),
    path("<slug:slug>/", views.region_list, name="list"),
]
