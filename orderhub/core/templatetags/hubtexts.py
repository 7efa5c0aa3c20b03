"""``{{ value|text }}``: a stored text (``orderhub.core.texts``) in the reader's language."""
from django import template

from orderhub.core.history_sentences import history_rows
from orderhub.core.texts import render

register = template.Library()


@register.filter(name="text")
def text(value) -> str:
    return render(value)


@register.simple_tag
def history_sentences(records, opts):
    """``{% history_sentences page_obj opts as rows %}``: the page's records as sentences."""
    return history_rows(opts.model, records)
