"""narrowcast: plain-language slides for the screens in social-services waiting rooms."""
