"""The company: who this database's business is (seller on invoices, buyer on supplier invoices).

One ``company.company`` record, made at activation: its name, its party
(whose addresses and tax identifier are the company's), its currency (ISO
4217, default EUR), e-mail and logo.
"""
from . import company
from .company import Company
from .demo import demo

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Company)
    module.add_hooks(company)
