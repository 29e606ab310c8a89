"""(being written)"""
def _todo(request, *a, **k):
    raise NotImplementedError
edit_profile = set_language = _todo
