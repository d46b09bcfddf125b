NAME = "delivery"


def cases():
    return []
