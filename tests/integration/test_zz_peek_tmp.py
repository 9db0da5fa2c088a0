from tests.integration.test_http_check import *  # noqa
async def test_peek(run, base, tls_base):
    for args in [(f"{base}/ok",), (base.replace("127.0.0.1","localhost")+"/ok",), (f"{tls_base}/ok",), ("http://nonexistent.invalid/",), (f"{base}/loop",), (f"{base}/endless",)]:
        r = await run(*args)
        print(args, r)
    async with _raw_server(_garbage) as url:
        print(await run(url))
    r = await run(f"{tls_base}/ok", verify_tls=False); print(r)
    r = await run(f"{tls_base.replace('https','http')}/ok"); print(r)
    r = await run(f"{base.replace('http','https')}/ok"); print(r)
