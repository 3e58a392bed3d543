"""Demo data (placeholder: replaced by the realistic data set of the exchange work)."""


def load_demo() -> str:
    return "No demo data yet."
