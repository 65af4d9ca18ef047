"""Page-number pagination with a caller-chosen page size (``page_size``, at most 1,000)."""

from rest_framework import pagination


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 1000
