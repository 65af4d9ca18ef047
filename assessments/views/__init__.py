"""The write pages of scoring: an audit's what-if scenarios (``scenarios``) and the methodology editor
(``methodologies``). Their figures are ``dashboards.charts``; a scenario's before → after page is a dashboard."""
