"""Deadlines and escalation (DESIGN.md section 2): SLAs per state, ship-by promises, traffic
lights, the sweep that finds breaches and climbs the escalation ladder, and rehearsals.

How DESIGN.md's SLAs map onto the states of ``orders/state_machine.py``. An SLA is the time an
order may spend in a state; a state's allowance is the sum of the steps that happen in it
(``orders.models.SLA_STEP_STATUS``), each configurable per channel (``SlaPolicy``):

=====================  =================  ========  ======================================
step                   state              default   why there
=====================  =================  ========  ======================================
payment_confirmed      paid               15 min    once paid, the order is confirmed and
                                                    released to the warehouse (picking starts
                                                    or risk review takes it)
picking                picking            2 h       start_picking → start_packing
packing                packing            1 h       packing and weighing ...
label                  packing            3 min     ... then the label; print_label ends the
                                                    state, so packing allows 1 h 3 min
handover               awaiting_pickup    30 min    label printed → courier collects it
buyer_payment          pending_payment    off       waits on the buyer; channels close unpaid
                                                    orders themselves
risk_review            risk_review        off       a person reviews; ship-by still applies
delivery               in_transit         off       the carrier's (courier traces alert apart)
=====================  =================  ========  ======================================

The promised ship-by time is counted from payment (``paid_at``): 48 h by default, 24 h for JD
and Tmall, shorter for urgent orders (``ShipByPromise``). Both times are stored on the order
(``state_due_at`` on every move, ``ship_by`` once paid) so that the sweep is a range query.

Modules: ``config`` (the policies, cached per process), ``deadlines`` (due times and traffic
lights, called by ``orders.services``), ``sweep`` (breaches, escalation, resolution),
``rehearsal`` (what a changed policy would have raised), ``policies`` (writes on policies).
"""
