from django.urls import path

from assessments import views

app_name = "audits"

urlpatterns = [
    path("", views.audit_list, name="list"),
    path("<int:pk>/", views.audit_detail, name="detail"),
]
