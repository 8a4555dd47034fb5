"""The seeded market universe: realistic series, events and markets, liquidity and history.

Deterministic from the seed and the day it runs: tickers carry the dates relative to "now".
Everything is built through the engine's own API (orders really match), inside one operation,
so seeding is one SQLite transaction.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sandbox.activity import rolling
from sandbox.activity.simulator import BOT_ALLOCATION
from sandbox.engine.models import (
    ASK,
    BID,
    GTC,
    INITIALIZED,
    IOC,
    STP_TAKER,
    Event,
    Market,
    PriceRange,
    Series,
)
from sandbox.engine.money import ONE
from sandbox.seed import index_settled
from sandbox.seed.collections import seed_collections
from sandbox.seed.funding import seed_funding
from sandbox.seed.sports import seed_basketball
from sandbox.world import cfindex

if TYPE_CHECKING:
    from sandbox.engine import Exchange

D = Decimal
HOUR = 3_600_000
DAY = 24 * HOUR
MINUTE = 60_000

LINEAR_CENT = (PriceRange(D("0.00"), D("1.00"), D("0.01")),)
TAPERED_DECI_CENT = (
    PriceRange(D("0.000"), D("0.100"), D("0.001")),
    PriceRange(D("0.100"), D("0.900"), D("0.010")),
    PriceRange(D("0.900"), D("1.000"), D("0.001")),
)
CENT_TICK = D("0.01")
MM = "kalshi-mm"
FLOW = "retail-flow"
DEMO = "demo"
DEMO_BALANCE = D("1000.00")


def _tk(dt: datetime) -> str:
    """Kalshi's date code in tickers: 26NOV24."""
    return dt.strftime("%y%b%d").upper()


def _ms(dt: datetime) -> int:
    return int(dt.timestamp() * 1000)


def _series() -> list[Series]:
    return [
        Series(
            "KXHIGHNY",
            "Highest temperature in NYC today",
            "Climate and Weather",
            "daily",
            tags=["Weather", "Temperature"],
            categories=["Climate and Weather"],
            settlement_sources=[
                {
                    "name": "National Weather Service",
                    "url": "https://forecast.weather.gov/product.php?site=OKX&product=CLI&issuedby=NYC",
                }
            ],
            contract_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NHIGH.pdf",
            contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NHIGH.pdf",
            fee_type="quadratic",
            fee_multiplier=D(1),
        ),
        Series(
            "KXBTC",
            "Bitcoin price range",
            "Crypto",
            "hourly",
            tags=["BTC", "Crypto prices"],
            categories=["Crypto"],
            settlement_sources=[
                {"name": "CF Benchmarks", "url": "https://www.cfbenchmarks.com/data/indices/BRTI"}
            ],
            contract_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/BTC.pdf",
            contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/BTC.pdf",
            fee_type="quadratic",
            fee_multiplier=D(1),
        ),
        Series(
            "KXFEDDECISION",
            "Fed decision",
            "Economics",
            "custom",
            tags=["Fed", "Interest rates"],
            categories=["Economics", "Financials"],
            settlement_sources=[
                {
                    "name": "Federal Reserve",
                    "url": "https://www.federalreserve.gov/monetarypolicy/openmarket.htm",
                }
            ],
            contract_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/FEDDECISION.pdf",
            contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/FEDDECISION.pdf",
            fee_type="quadratic_with_maker_fees",
            fee_multiplier=D(1),
        ),
        Series(
            "KXNFLGAME",
            "Professional Football Game",
            "Sports",
            "custom",
            tags=["Football", "NFL"],
            categories=["Sports"],
            settlement_sources=[
                {"name": "The Associated Press", "url": "https://apnews.com/hub/nfl"}
            ],
            contract_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NFLGAME.pdf",
            contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/NFLGAME.pdf",
            fee_type="quadratic_with_maker_fees",
            fee_multiplier=D(1),
        ),
        Series(
            "KXGASD",
            "US gas prices daily",
            "",  # no primary category (live sends `category: null` for a few series)
            "daily",
            tags=["Gas prices", "Energy"],
            categories=["Economics"],
            settlement_sources=[{"name": "AAA", "url": "https://gasprices.aaa.com/"}],
            contract_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/GAS.pdf",
            contract_terms_url="https://kalshi-public-docs.s3.amazonaws.com/contract_terms/GAS.pdf",
            fee_type="flat",
            fee_multiplier=D("0.5"),
        ),
    ]


class _Builder:
    def __init__(self, ex: Exchange):
        self.ex = ex
        self.rng = random.Random(ex.seed)
        self.now = ex.now()
        self.today = datetime.fromtimestamp(self.now / 1000, UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        self.actions: list[tuple[int, int, Callable[[], None]]] = []  # (time, order, callable)
        self.fairs: dict[str, Decimal] = {}
        self.ticks: dict[str, Decimal] = {}

    def at(self, t: int, fn) -> None:
        self.actions.append((t, len(self.actions), fn))

    # -- markets

    def event(
        self,
        series: str,
        ticker: str,
        title: str,
        sub: str,
        strike: datetime | None,
        mutually_exclusive: bool = True,
        period: str | None = None,
    ) -> Event:
        s = self.ex.series[series]
        return self.ex.create_event(
            Event(
                ticker,
                series,
                title,
                sub,
                mutually_exclusive,
                "MECNET" if mutually_exclusive else "DIRECNET",
                _ms(strike) if strike else None,
                period,
                list(s.settlement_sources),
            )
        )

    def market(
        self,
        event: Event,
        ticker: str,
        title: str,
        yes_sub: str,
        rules: str,
        open_t: int,
        close_t: int,
        grid=LINEAR_CENT,
        structure="linear_cent",
        strike_type=None,
        floor=None,
        cap=None,
        status="active",
    ) -> Market:
        m = Market(
            ticker=ticker,
            event_ticker=event.event_ticker,
            series_ticker=event.series_ticker,
            title=title,
            subtitle=yes_sub,
            yes_sub_title=yes_sub,
            no_sub_title=yes_sub,
            open_time=open_t,
            close_time=close_t,
            latest_expiration_time=close_t + 7 * DAY,
            expected_expiration_time=close_t + HOUR,
            rules_primary=rules,
            rules_secondary=(
                "The following market refers to the outcome described above. If the source "
                "agency revises its data after expiration, the market will not be re-settled."
            ),
            price_level_structure=structure,
            price_ranges=grid,
            status=status,
            strike_type=strike_type,
            floor_strike=floor,
            cap_strike=cap,
            created_time=open_t,
            updated_time=open_t,
        )
        return self.ex.create_market(m)

    # -- orders (used by scheduled actions)

    def order(
        self, user: str, ticker: str, side: str, price: Decimal, count: Decimal, tif: str = GTC
    ):
        return self.ex.create_order(
            user,
            ticker=ticker,
            side=side,
            price=price,
            count=count,
            time_in_force=tif,
            self_trade_prevention_type=STP_TAKER,
        )

    def trade(
        self,
        ticker: str,
        price: Decimal,
        count: Decimal,
        taker: str = FLOW,
        taker_side: str | None = None,
    ) -> None:
        """The market maker re-quotes both sides around `price`; `taker` hits one side."""
        side = taker_side or self.rng.choice((BID, ASK))
        tick = self.ticks.get(ticker, CENT_TICK)
        self.ex.cancel_all_orders(MM, ticker=ticker)
        bid = price if side == ASK else self.snap(ticker, _clamp(price - tick, tick))
        ask = price if side == BID else self.snap(ticker, _clamp(price + tick, tick))
        extra = D(self.rng.choice((10, 20, 40, 80)))
        if bid < ask or side == ASK:
            self.order(MM, ticker, BID, bid, count + extra if side == ASK else extra)
        if bid < ask or side == BID:
            self.order(MM, ticker, ASK, ask, count + extra if side == BID else extra)
        self.order(taker, ticker, side, price, count, IOC)

    def history(
        self, ticker: str, fair: Decimal, start: int, end: int, n: int, step: Decimal = CENT_TICK
    ) -> None:
        """n trades between start and end around a drifting fair price."""
        price = fair
        self.ticks[ticker] = step
        for k in range(n):
            t = start + (end - start) * (k + 1) // (n + 1) + self.rng.randrange(0, 50_000)
            price = self.snap(ticker, _clamp(price + step * self.rng.choice((-2, -1, 0, 0, 1, 2))))
            count = D(self.rng.choice((1, 2, 3, 5, 10, 15, 25, 40)))
            p = price
            self.at(t, lambda p=p, c=count: self.trade(ticker, p, c))
        self.fairs[ticker] = price

    def snap(self, ticker: str, price: Decimal) -> Decimal:
        """The nearest valid price of the market's grid."""
        for r in self.ex.markets[ticker].price_ranges:
            if r.start <= price <= r.end:
                return r.start + ((price - r.start) / r.step).to_integral_value() * r.step
        return price

    def ladder(self, ticker: str, fair: Decimal, tick: Decimal = CENT_TICK) -> None:
        """Resting market-maker quotes: three bids below and three asks above the fair."""

        def place():
            self.ex.cancel_all_orders(MM, ticker=ticker)
            for k in range(1, 4):
                bid = self.snap(ticker, _clamp(fair - tick * k, tick))
                ask = self.snap(ticker, _clamp(fair + tick * k, tick))
                if bid < ask:
                    size = D(self.rng.choice((50, 100, 150, 200, 250, 300)))
                    self.order(MM, ticker, BID, bid, size)
                    self.order(MM, ticker, ASK, ask, size)

        self.at(self.now - 1000, place)

    def settle(self, ticker: str, t: int, result: str) -> None:
        def go():
            self.ex.close_market(ticker)
            self.ex.determine_market(ticker, result)
            self.ex.set_fixed_time(t + 5 * MINUTE)
            self.ex.settle_market(ticker)

        self.at(t, go)

    def run(self) -> None:
        ex = self.ex
        for t, _, fn in sorted(self.actions, key=lambda a: (a[0], a[1])):
            ex.set_fixed_time(t)
            fn()
        ex.set_fixed_time(None)


def _clamp(p: Decimal, tick: Decimal = CENT_TICK) -> Decimal:
    lo, hi = tick * 2 if tick >= D("0.01") else D("0.01"), ONE - D("0.02")
    return min(max(p, lo), hi)


def _brackets(rng: random.Random, n: int) -> list[Decimal]:
    """Fair prices for n mutually exclusive brackets (bell-shaped, summing to about 1)."""
    centre = (n - 1) / 2 + rng.uniform(-0.8, 0.8)
    weights = [2.718 ** (-((i - centre) ** 2) / 2.2) for i in range(n)]
    total = sum(weights)
    return [_clamp(D(str(round(w / total, 2)))) for w in weights]


def seed_universe(ex: Exchange) -> None:
    """Series, events, markets, users and history, in one operation."""
    with ex.operation():
        b = _Builder(ex)
        ex.add_user(MM, D("10000000"))
        ex.add_user(FLOW, D("1000000"))
        # Both also trade combos, on exchange index 1: a target allocation keeps a share of
        # their cash there (docs.kalshi.com/getting_started/exchange_sharding: "preallocate
        # collateral on a given exchange shard before order placement").
        for bot in (MM, FLOW):
            ex.set_target_allocation(bot, BOT_ALLOCATION)
        ex.add_user(DEMO, D(0))
        seed_funding(ex, DEMO, DEMO_BALANCE, demo=True)  # deposits that add up to it
        for s in _series():
            ex.add_series(s)
        _weather(b)
        _bitcoin(b)
        _fed(b)
        _football(b)
        _gas(b)
        seed_basketball(b)
        b.run()
        rolling.seed(ex)  # the 15-minute crypto and hourly temperature series
        seed_collections(b)  # multivariate collections over the open events
        ex.set_historical_cutoff(_ms(b.today - timedelta(days=30)))


def _weather(b: _Builder) -> None:
    rng = b.rng
    for days_ago in (45, 38, 3, 1, 0):
        day = b.today - timedelta(days=days_ago)
        # The day's high is the temperature index's (index_settled); the brackets sit around it.
        actual = index_settled.daily_high(b.ex.seed, index_settled.day_start(_ms(day)))
        hi = int(actual) + rng.randint(-3, 3)
        code = _tk(day)
        e = b.event(
            "KXHIGHNY",
            f"KXHIGHNY-{code}",
            f"Highest temperature in NYC on {day:%b} {day.day}, {day:%Y}?",
            f"On {day:%b} {day.day}, {day:%Y}",
            day,
        )
        open_t = _ms(day - timedelta(hours=14))
        close_t = _ms(day + timedelta(hours=28, minutes=59))
        lows = [hi - 5 + 2 * i for i in range(4)]
        specs: list[tuple[str, str, str, Decimal | None, Decimal | None]]
        specs = [(f"T{lows[0]}", f"{lows[0] - 1}° or below", "less", None, D(lows[0]))]
        specs += [
            (f"B{lo + 0.5}", f"{lo}° to {lo + 1}°", "between", D(lo), D(lo + 1)) for lo in lows
        ]
        specs.append(
            (f"T{lows[-1] + 1}", f"{lows[-1] + 2}° or above", "greater", D(lows[-1] + 1), None)
        )
        fairs = _brackets(rng, len(specs))
        for (suffix, sub, strike, floor, cap), fair in zip(specs, fairs, strict=True):
            t = f"{e.event_ticker}-{suffix}"
            rules = (
                f"If the highest temperature recorded in Central Park, New York for "
                f"{day:%B} {day.day}, {day:%Y} as reported by the National Weather Service's "
                f"Climatological Report is {sub}, then the market resolves to Yes."
            )
            b.market(
                e,
                t,
                f"Will the high temp in NYC be {sub} on {day:%b} {day.day}, {day:%Y}?",
                sub,
                rules,
                open_t,
                close_t,
                strike_type=strike,
                floor=floor,
                cap=cap,
            )
            trading_end = min(close_t, b.now - HOUR)
            b.history(t, fair, open_t, trading_end, rng.randint(8, 16))
            if days_ago == 0 or close_t >= b.now - MINUTE:
                b.ladder(t, fair)  # the rolling desk settles it from the index at the close
            else:
                m = b.ex.markets[t]
                result = index_settled.strike_result(m, actual)
                if days_ago == 1:  # determined a minute ago: settles after its timer
                    b.at(
                        b.now - MINUTE,
                        lambda t=t, r=result: (b.ex.close_market(t), b.ex.determine_market(t, r)),
                    )
                else:
                    b.settle(t, close_t + HOUR, result)
        if days_ago == 0:
            # demo buys NO on the most likely bracket, against the market maker.
            fav = e.markets[max(range(len(fairs)), key=lambda i: fairs[i])]
            b.at(b.now - 2 * HOUR, lambda fav=fav: b.trade(fav, b.fairs[fav], D(5), DEMO, ASK))
        if days_ago == 38:
            t0 = e.markets[2]
            b.at(open_t + 3 * HOUR, lambda t0=t0: b.trade(t0, b.fairs[t0], D(3), DEMO, BID))


def _bitcoin(b: _Builder) -> None:
    rng = b.rng
    now_dt = datetime.fromtimestamp(b.now / 1000, UTC)
    # Brackets around the simulated BRTI now; the rolling desk settles them from its average
    # over the minute before each hour (index_settled).
    brti = cfindex.value(b.ex.seed, index_settled.BTC_INDEX, b.now)
    centre = int(brti / 250) * 250 + rng.randrange(-2, 3) * 250
    # The hour just ended (closed, determined at its expected expiration) and one to come.
    for hours_ahead, status in ((0, "closed"), (3, "active")):
        hour = now_dt.replace(minute=0, second=0, microsecond=0) + timedelta(hours=hours_ahead)
        code = f"{_tk(hour)}{hour:%H}"
        e = b.event(
            "KXBTC",
            f"KXBTC-{code}",
            f"Bitcoin price range on {hour:%b %d, %Y} at {hour:%H}:00 UTC?",
            f"{hour:%b %d} at {hour:%H}:00 UTC",
            hour,
        )
        open_t = _ms(hour - timedelta(hours=24))
        close_t = _ms(hour)
        n = 7
        fairs = _brackets(rng, n)
        for i, fair in enumerate(fairs):
            lo = centre + (i - n // 2) * 500
            sub = f"${lo:,} to {lo + 499.99:,.2f}"
            t = f"{e.event_ticker}-B{lo + 250}"
            rules = (
                f"If the CF Benchmarks Real-Time Index (BRTI) for Bitcoin is between {sub} "
                f"at {hour:%H}:00 UTC on {hour:%b %d, %Y}, then the market resolves to Yes."
            )
            # Sub-penny tails: quote the far brackets on the 0.001 grid.
            tail = fair <= D("0.10") or fair >= D("0.90")
            tick = D("0.001") if tail else D("0.01")
            if tail:
                fair = _clamp(fair - D("0.003"), tick) if fair <= D("0.10") else fair
            b.market(
                e,
                t,
                f"Bitcoin price range on {hour:%b %d, %Y}?",
                sub,
                rules,
                open_t,
                close_t,
                TAPERED_DECI_CENT,
                "tapered_deci_cent",
                "between",
                D(lo),
                D(lo) + D("499.99"),
            )
            b.history(t, fair, open_t, min(close_t, b.now - HOUR), rng.randint(6, 12), tick)
            if status == "active":
                b.ladder(t, fair, tick)
            else:
                b.at(close_t, lambda t=t: b.ex.close_market(t))


def _fed(b: _Builder) -> None:
    rng = b.rng
    meeting = b.today.replace(day=1) + timedelta(days=45)
    meeting = meeting.replace(day=16)
    code = meeting.strftime("%y%b").upper()
    e = b.event(
        "KXFEDDECISION",
        f"KXFEDDECISION-{code}",
        f"Fed decision in {meeting:%B %Y}?",
        f"{meeting:%B %Y} meeting",
        None,  # a meeting month: a period strike (strike_date and strike_period exclude
        period="month",  # each other, spec EventData)
    )
    open_t = _ms(b.today - timedelta(days=60))
    close_t = _ms(meeting + timedelta(hours=18))
    specs = [
        ("H0", "Hold rates", D("0.63")),
        ("C25", "Cut 25bps", D("0.31")),
        ("C26", "Cut >25bps", D("0.04")),
        ("H25", "Hike 25bps", D("0.02")),
    ]
    for suffix, sub, fair in specs:
        t = f"{e.event_ticker}-{suffix}"
        rules = (
            f"If the Federal Reserve's FOMC announces a decision to {sub.lower()} "
            f"at its {meeting:%B %Y} meeting, then the market resolves to Yes."
        )
        b.market(
            e, t, f"Will the Fed {sub.lower()} in {meeting:%B %Y}?", sub, rules, open_t, close_t
        )
        b.history(t, fair, b.now - 20 * DAY, b.now - HOUR, rng.randint(10, 18))
        b.ladder(t, fair)
    h0 = f"{e.event_ticker}-H0"
    b.at(b.now - 3 * HOUR, lambda: b.trade(h0, b.fairs[h0], D(10), DEMO, BID))


def _football(b: _Builder) -> None:
    rng = b.rng
    games = [(-5, "KC", "Kansas City", "LV", "Las Vegas"), (2, "DET", "Detroit", "GB", "Green Bay")]
    for days, a_code, a_name, h_code, h_name in games:
        day = b.today + timedelta(days=days)
        code = f"{_tk(day)}{a_code}{h_code}"
        e = b.event(
            "KXNFLGAME",
            f"KXNFLGAME-{code}",
            f"{a_name} at {h_name}",
            f"{a_code} at {h_code} ({day:%b} {day.day})",
            day,
        )
        kickoff = day + timedelta(hours=21, minutes=25)
        open_t = _ms(day - timedelta(days=7))
        close_t = _ms(kickoff + timedelta(hours=4))
        fav = D(str(round(rng.uniform(0.35, 0.65), 2)))
        winner = rng.choice((a_code, h_code))
        for team_code, name, fair in ((a_code, a_name, fav), (h_code, h_name, ONE - fav)):
            t = f"{e.event_ticker}-{team_code}"
            rules = (
                f"If {name} wins the {a_name} at {h_name} professional football game "
                f"originally scheduled for {day:%b} {day.day}, {day:%Y}, then the market "
                "resolves to Yes."
            )
            b.market(e, t, f"{a_name} at {h_name} Winner?", name, rules, open_t, close_t)
            end = min(close_t, b.now - HOUR)
            b.history(t, fair, open_t, end, rng.randint(10, 16))
            if days > 0:
                b.ladder(t, fair)
            else:
                b.settle(t, close_t + HOUR, "yes" if team_code == winner else "no")
        if days < 0:
            # demo held the winner's YES into settlement.
            t = f"{e.event_ticker}-{winner}"
            b.at(open_t + DAY, lambda t=t: b.trade(t, b.fairs.get(t, D("0.5")), D(8), DEMO, BID))


def _gas(b: _Builder) -> None:
    rng = b.rng
    day = b.today + timedelta(days=1)
    e = b.event(
        "KXGASD",
        f"KXGASD-{_tk(day)}",
        f"US gas price on {day:%b} {day.day}, {day:%Y}?",
        f"On {day:%b} {day.day}",
        day,
        mutually_exclusive=False,
    )
    base = D("3.05") + D(rng.randrange(-20, 20)) / 100
    open_t = _ms(b.today - timedelta(days=1))
    close_t = _ms(day + timedelta(hours=14))
    for i, fair in enumerate((D("0.82"), D("0.55"), D("0.21"))):
        strike = base + D("0.02") * i
        t = f"{e.event_ticker}-{strike:.3f}"
        sub = f"Above ${strike:.3f}"
        rules = (
            f"If the AAA national average price for regular gas on {day:%b} {day.day}, "
            f"{day:%Y} is above ${strike:.3f}, then the market resolves to Yes."
        )
        b.market(
            e,
            t,
            f"US gas prices above ${strike:.3f}?",
            sub,
            rules,
            open_t,
            close_t,
            strike_type="greater",
            floor=strike,
        )
        b.history(t, fair, open_t, b.now - HOUR, rng.randint(4, 8))
        b.ladder(t, fair)
    # One market not yet open, for lifecycle demos.
    t = f"{e.event_ticker}-{base + D('0.06'):.3f}"
    b.market(
        e,
        t,
        f"US gas prices above ${base + D('0.06'):.3f}?",
        f"Above ${base + D('0.06'):.3f}",
        "If the AAA national average is above the strike, the market resolves to Yes.",
        b.now + DAY,
        close_t,
        status=INITIALIZED,
    )
