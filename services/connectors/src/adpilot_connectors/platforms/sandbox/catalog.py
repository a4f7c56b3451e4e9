"""Static material for the sandbox: verticals with their economics, brand names, campaign plans and ad copy.

Everything here is plain data; the generator (``model.py``) picks from it with seeded RNGs. Amounts are in USD and
scaled by :data:`CURRENCY_FACTOR` for EUR/GBP accounts. Landing pages use the reserved ``.example`` TLD so a
click in the UI never lands on somebody's real site.
"""

from __future__ import annotations

from dataclasses import dataclass

# Monday..Sunday multipliers on delivery (spend, hence impressions and clicks).
WEEKDAY_B2C = (0.95, 0.93, 0.95, 0.98, 1.05, 1.22, 1.18)
WEEKDAY_B2B = (1.08, 1.12, 1.10, 1.06, 0.95, 0.52, 0.58)
WEEKDAY_TRAVEL = (1.02, 0.98, 0.97, 0.98, 1.00, 1.08, 1.16)
WEEKDAY_LOCAL = (1.10, 1.06, 1.05, 1.02, 0.96, 0.80, 0.70)
WEEKDAY_EDU = (1.06, 1.05, 1.04, 1.00, 0.90, 0.80, 1.02)

# Local-currency amount of 1 USD-equivalent of CPC / order value (rounded; the sandbox needs plausibility only).
CURRENCY_FACTOR = {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}

# (currency, IANA time zone, market label used in account names)
MARKETS: tuple[tuple[str, str, str], ...] = (
    ("EUR", "Europe/Berlin", "DE"),
    ("EUR", "Europe/Paris", "FR"),
    ("EUR", "Europe/Amsterdam", "NL"),
    ("EUR", "Europe/Madrid", "ES"),
    ("USD", "America/New_York", "US East"),
    ("USD", "America/Chicago", "US Central"),
    ("USD", "America/Los_Angeles", "US West"),
    ("GBP", "Europe/London", "UK"),
)

OBJECTIVES = ("SALES", "LEADS", "TRAFFIC", "AWARENESS", "APP_PROMOTION", "ENGAGEMENT")

# Objective multipliers on (cpc, ctr, conversion rate): awareness buys cheap, low-intent clicks.
OBJECTIVE_FACTORS: dict[str | None, tuple[float, float, float]] = {
    "SALES": (1.0, 1.0, 1.0),
    "LEADS": (1.1, 0.95, 1.0),
    "TRAFFIC": (0.7, 0.9, 0.45),
    "AWARENESS": (0.35, 0.3, 0.15),
    "APP_PROMOTION": (0.8, 0.8, 0.8),
    "ENGAGEMENT": (0.5, 0.7, 0.3),
    None: (1.0, 1.0, 1.0),
}


@dataclass(frozen=True)
class CampaignPlan:
    name: str  # "{market}" is replaced by the account's market
    objective: str
    budget_usd: tuple[int, int]  # daily budget range in USD-equivalent whole units
    paused: bool = False  # seasonal/legacy campaigns that sit paused


@dataclass(frozen=True)
class Vertical:
    key: str
    label: str
    brands: tuple[str, ...]
    weekday: tuple[float, ...]
    cpc_usd: tuple[float, float]
    ctr: tuple[float, float]  # search-like CTR range, fraction
    cvr: tuple[float, float]  # conversions per click
    value_usd: tuple[float, float]  # value per conversion (order value or lead value)
    brand_campaign: CampaignPlan
    seasonal_campaign: CampaignPlan
    campaigns: tuple[CampaignPlan, ...]
    themes: tuple[str, ...]  # ad group themes
    headlines: tuple[str, ...]  # "{brand}", "{theme}" placeholders; kept only if ≤ 30 chars once filled
    descriptions: tuple[str, ...]  # kept only if ≤ 90 chars once filled


VERTICALS: tuple[Vertical, ...] = (
    Vertical(
        key="ecommerce",
        label="E-commerce (outdoor & apparel)",
        brands=("Nordlicht Outdoor", "Fjellspor", "Kestrel & Pine", "Trailhaus", "Bergwind", "Lumen Threads"),
        weekday=WEEKDAY_B2C,
        cpc_usd=(0.45, 1.1),
        ctr=(0.018, 0.045),
        cvr=(0.015, 0.04),
        value_usd=(55.0, 140.0),
        brand_campaign=CampaignPlan("{market} | Search | Brand", "SALES", (30, 120)),
        seasonal_campaign=CampaignPlan("{market} | Black Friday Sale", "SALES", (150, 600), paused=True),
        campaigns=(
            CampaignPlan("{market} | Search | Generic Jackets", "SALES", (80, 400)),
            CampaignPlan("{market} | Shopping | All Products", "SALES", (150, 800)),
            CampaignPlan("{market} | PMax | Bestsellers", "SALES", (100, 600)),
            CampaignPlan("{market} | Display | Remarketing", "SALES", (40, 200)),
            CampaignPlan("{market} | Video | Awareness", "AWARENESS", (50, 300)),
            CampaignPlan("{market} | Search | Footwear", "SALES", (60, 300)),
            CampaignPlan("{market} | Social | Prospecting", "TRAFFIC", (60, 250)),
        ),
        themes=(
            "Rain Jackets",
            "Hiking Boots",
            "Down Jackets",
            "Trail Running Shoes",
            "Base Layers",
            "Backpacks",
            "Merino Socks",
            "Softshell Pants",
        ),
        headlines=(
            "{brand}",
            "{brand} Official Store",
            "Shop {theme}",
            "{theme} On Sale",
            "New {theme} In Stock",
            "Free Shipping Over 50",
            "Free 30-Day Returns",
            "Built For The Outdoors",
            "Up To 40% Off Selected Gear",
            "Waterproof & Breathable",
            "Order Today, Ships Tomorrow",
        ),
        descriptions=(
            "Discover {theme} from {brand}. Tested in the mountains, made to last for years.",
            "Free shipping on orders over 50 and free returns within 30 days. Shop now.",
            "Lightweight, durable and warm. Find your perfect {theme} in our new collection.",
            "Rated 4.8/5 by 12,000+ customers. Order today and get it delivered tomorrow.",
        ),
    ),
    Vertical(
        key="saas",
        label="B2B SaaS",
        brands=("Helio Analytics", "Ledgerly", "Quorum CRM", "Brightdesk", "Stackwise", "Tallyflow"),
        weekday=WEEKDAY_B2B,
        cpc_usd=(3.0, 8.0),
        ctr=(0.02, 0.05),
        cvr=(0.02, 0.06),
        value_usd=(120.0, 450.0),
        brand_campaign=CampaignPlan("{market} | Search | Brand", "LEADS", (40, 150)),
        seasonal_campaign=CampaignPlan("{market} | Webinar Q4 Promo", "LEADS", (50, 200), paused=True),
        campaigns=(
            CampaignPlan("{market} | Search | Competitors", "LEADS", (100, 500)),
            CampaignPlan("{market} | Search | Generic Software", "LEADS", (150, 700)),
            CampaignPlan("{market} | LinkedIn-style | ABM Retargeting", "LEADS", (60, 250)),
            CampaignPlan("{market} | Display | Remarketing", "LEADS", (40, 150)),
            CampaignPlan("{market} | Video | Product Demo", "AWARENESS", (50, 200)),
            CampaignPlan("{market} | Search | Free Trial", "LEADS", (100, 400)),
        ),
        themes=(
            "Reporting Software",
            "Invoice Automation",
            "CRM for Startups",
            "Team Dashboards",
            "Expense Tracking",
            "Sales Pipeline",
            "Data Integration",
        ),
        headlines=(
            "{brand}",
            "{brand} Free Trial",
            "{theme}",
            "Try {theme} Free",
            "Start Your 14-Day Trial",
            "No Credit Card Required",
            "Trusted By 5,000+ Teams",
            "Book A Live Demo",
            "SOC 2 Type II Certified",
            "Set Up In 10 Minutes",
        ),
        descriptions=(
            "{brand} helps finance and sales teams save 10+ hours a week. Start a free trial today.",
            "Modern {theme} with 200+ integrations. No credit card needed to get started.",
            "See why 5,000+ companies switched to {brand}. Book a 20-minute demo with our team.",
            "Automate the busywork, keep the insight. GDPR compliant, hosted in the EU and US.",
        ),
    ),
    Vertical(
        key="travel",
        label="Travel & hospitality",
        brands=("Bluebird Travel", "Azure Coast Hotels", "Wanderlane", "Alpenrose Resorts", "Seaglass Stays"),
        weekday=WEEKDAY_TRAVEL,
        cpc_usd=(0.7, 1.8),
        ctr=(0.03, 0.058),
        cvr=(0.01, 0.03),
        value_usd=(280.0, 950.0),
        brand_campaign=CampaignPlan("{market} | Search | Brand", "SALES", (40, 150)),
        seasonal_campaign=CampaignPlan("{market} | Summer Early Booking", "SALES", (100, 500), paused=True),
        campaigns=(
            CampaignPlan("{market} | Search | City Breaks", "SALES", (100, 500)),
            CampaignPlan("{market} | Search | Beach Holidays", "SALES", (120, 600)),
            CampaignPlan("{market} | PMax | Hotels", "SALES", (150, 700)),
            CampaignPlan("{market} | Display | Remarketing", "SALES", (40, 200)),
            CampaignPlan("{market} | Video | Destinations", "AWARENESS", (60, 250)),
            CampaignPlan("{market} | Social | Inspiration", "TRAFFIC", (50, 200)),
        ),
        themes=(
            "Lisbon City Break",
            "Greek Islands",
            "Alpine Ski Trips",
            "Family Resorts",
            "Weekend Getaways",
            "Last Minute Deals",
            "Spa Hotels",
        ),
        headlines=(
            "{brand}",
            "{brand} Official Site",
            "{theme}",
            "Book {theme}",
            "{theme} Deals",
            "Best Price Guarantee",
            "Free Cancellation",
            "Pay Later, Travel Now",
            "Rated Excellent On Trustpilot",
            "Save Up To 35% Today",
        ),
        descriptions=(
            "Compare and book {theme} with free cancellation on most rooms. Best price guaranteed.",
            "Handpicked hotels, flexible dates and 24/7 support. Book direct with {brand} and save.",
            "Members save an extra 10% on stays. Sign up free and unlock secret deals instantly.",
        ),
    ),
    Vertical(
        key="local",
        label="Local services",
        brands=("Greenway Plumbing", "BrightSpark Electric", "Cleanline Home Care", "Oakfield Roofing"),
        weekday=WEEKDAY_LOCAL,
        cpc_usd=(2.0, 6.0),
        ctr=(0.03, 0.055),
        cvr=(0.05, 0.11),
        value_usd=(60.0, 240.0),
        brand_campaign=CampaignPlan("{market} | Search | Brand", "LEADS", (20, 60)),
        seasonal_campaign=CampaignPlan("{market} | Winter Boiler Check", "LEADS", (40, 150), paused=True),
        campaigns=(
            CampaignPlan("{market} | Search | Emergency", "LEADS", (60, 300)),
            CampaignPlan("{market} | Search | Installation", "LEADS", (50, 250)),
            CampaignPlan("{market} | Local | Calls", "LEADS", (30, 150)),
            CampaignPlan("{market} | Display | Remarketing", "LEADS", (20, 80)),
            CampaignPlan("{market} | Search | Maintenance Plans", "LEADS", (30, 120)),
        ),
        themes=(
            "Emergency Repairs",
            "Boiler Installation",
            "Leak Detection",
            "Annual Service",
            "Bathroom Fitting",
            "Same Day Callout",
        ),
        headlines=(
            "{brand}",
            "{brand} - Call Now",
            "{theme}",
            "{theme} Near You",
            "24/7 Emergency Service",
            "Fixed Prices, No Surprises",
            "Certified Local Engineers",
            "Book Online In 60 Seconds",
            "5-Star Rated On Google",
        ),
        descriptions=(
            "Fast, friendly {theme} from certified local engineers. Upfront pricing, no call-out fee.",
            "Same-day appointments available. Book online or call {brand} now, 7 days a week.",
            "All work guaranteed for 12 months. Over 3,000 five-star reviews from local homeowners.",
        ),
    ),
    Vertical(
        key="education",
        label="Online education",
        brands=("Learnwell Academy", "CodeCrafters School", "Linguaverse", "Studyhall Online"),
        weekday=WEEKDAY_EDU,
        cpc_usd=(1.2, 3.5),
        ctr=(0.015, 0.04),
        cvr=(0.03, 0.07),
        value_usd=(50.0, 220.0),
        brand_campaign=CampaignPlan("{market} | Search | Brand", "LEADS", (20, 80)),
        seasonal_campaign=CampaignPlan("{market} | Back To School", "LEADS", (80, 300), paused=True),
        campaigns=(
            CampaignPlan("{market} | Search | Courses", "LEADS", (80, 350)),
            CampaignPlan("{market} | Search | Certificates", "LEADS", (60, 250)),
            CampaignPlan("{market} | App | Installs", "APP_PROMOTION", (50, 200)),
            CampaignPlan("{market} | Video | Student Stories", "AWARENESS", (40, 180)),
            CampaignPlan("{market} | Social | Engagement", "ENGAGEMENT", (30, 120)),
        ),
        themes=(
            "Python Course",
            "Data Science Bootcamp",
            "Spanish For Beginners",
            "UX Design Certificate",
            "Business English",
            "Web Development",
        ),
        headlines=(
            "{brand}",
            "{brand} Online Courses",
            "{theme}",
            "{theme} Online",
            "Learn At Your Own Pace",
            "Start Free Today",
            "Certificate Included",
            "Taught By Industry Experts",
            "Join 200,000+ Learners",
        ),
        descriptions=(
            "Master {theme} with hands-on projects and mentor feedback. Start your free week now.",
            "Flexible online learning that fits your schedule. Earn a certificate employers value.",
            "Join 200,000+ learners at {brand}. Cancel anytime, no long-term commitment required.",
        ),
    ),
)

VERTICALS_BY_KEY = {v.key: v for v in VERTICALS}

URL_SLUG_DROP = str.maketrans("", "", "&'.,")


def slug(text: str) -> str:
    return "-".join(text.translate(URL_SLUG_DROP).lower().split())
