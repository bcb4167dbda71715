"""Declaration pending."""
