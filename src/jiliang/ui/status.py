"""Which colour a state is shown in (pure; imports no Django).

A state is shown as a tag with its word always present, so colour is never the only signal. The
tone comes from the state's code (stable across languages); a state known only by its Chinese word
falls back to that word; anything else is neutral.
"""

GREEN, AMBER, RED, GREY, BLUE = "green", "amber", "red", "grey", "blue"

TONE_BY_CODE = {
    # valid, in use, passed, done
    "issued": GREEN, "valid": GREEN, "pass": GREEN, "in_use": GREEN, "active": GREEN,
    "completed": GREEN, "in_tolerance": GREEN, "published": GREEN, "genuine": GREEN,
    # needs attention soon, paused, waiting
    "due_soon": AMBER, "suspended": AMBER, "out_of_service": AMBER, "submitted": AMBER,
    "acknowledged": AMBER, "queued": AMBER, "investigating": AMBER, "warning": AMBER, "data_quality": AMBER,
    # wrong now
    "overdue": RED, "expired": RED, "fail": RED, "failed": RED, "out_of_tolerance": RED,
    "rejected": RED, "new": RED, "confirmed": RED, "critical": RED, "altered": RED, "unknown": RED,
    # no longer in force
    "revoked": GREY, "superseded": GREY, "cancelled": GREY, "deregistered": GREY, "scrapped": GREY,
    "closed": GREY, "false_alarm": GREY,
    # in progress
    "accepted": BLUE, "calibrated": BLUE, "running": BLUE, "committed": BLUE, "drawn": BLUE, "open": BLUE,
    # credit risk grades (信用风险分类): low, ordinary, higher, high
    "grade_A": GREEN, "grade_B": BLUE, "grade_C": AMBER, "grade_D": RED, "pending": AMBER,
    "on_track": GREEN, "behind": RED, "not_started": AMBER, "returned": RED,  # the plan tracker (portal)
}

TONE_BY_WORD = {
    "有效": GREEN, "合格": GREEN, "在用": GREEN,
    "即将到期": AMBER,
    "超期": RED, "超期未检": RED, "已过期": RED, "不合格": RED,
    "已撤销": GREY, "已注销": GREY, "注销": GREY, "已吊销": GREY,
}


def tone(code: object, word: object = None) -> str:
    """The tone of a state: by its code, else by its Chinese word, else grey."""
    return TONE_BY_CODE.get(str(code), None) or TONE_BY_WORD.get(str(word if word is not None else code), GREY)
