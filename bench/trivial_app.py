"""The trivial FastAPI application of the HTTP ceiling: one route, no database, no authentication."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/ping")
async def ping() -> dict[str, bool]:
    return {"ok": True}
