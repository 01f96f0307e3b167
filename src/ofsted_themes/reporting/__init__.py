"""The report a person reads: one self-contained HTML page (``html``), its chart's geometry
(``chart``), the Jinja2 markup (``templates/``) and the style and script it inlines
(``static/``)."""
