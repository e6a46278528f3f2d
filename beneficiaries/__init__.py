"""Structures, people, trainings, orders and allocations (the quasi-don): issue 4."""
