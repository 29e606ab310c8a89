"""(being written)"""
def _todo(request, *a, **k):
    raise NotImplementedError
login_view = login_code = logout_view = password_reset = password_reset_done = _todo
password_reset_confirm = password_reset_complete = password_change = two_factor = _todo
