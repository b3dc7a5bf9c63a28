"""Report sections, one module per job; each defines ``build(ctx) -> Section``."""
