"""The management figures (DESIGN.md section 2): definitions, daily aggregates kept by the
event handler, the selectors the page, the API and the weekly report read."""
