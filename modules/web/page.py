def routes(api):
    return []
