"""``{% workbench %}``: the signed-in user's workbench on the admin's home page."""
from django import template

from orderhub.workbench.selectors import workbench_for

register = template.Library()


@register.inclusion_tag("admin/workbench/workbench.html", takes_context=True)
def workbench(context):
    return {"workbench": workbench_for(context["request"].user), "request": context["request"]}
