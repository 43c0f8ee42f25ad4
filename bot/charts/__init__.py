"""Small chart images (PNG) rendered with matplotlib's object-oriented API on the Agg backend.

No pyplot: nothing global, safe in threads, no display needed. Each module renders one chart to bytes.
"""
