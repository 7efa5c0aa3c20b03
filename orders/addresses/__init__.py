"""Receiver addresses: the province → city → district table the forms offer (``regions``) and
the splitting of a pasted address into its parts (``parsing``)."""
