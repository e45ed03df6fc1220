"""Entry point of the vmscrape component provider (see PulumiPlugin.yaml next to this file)."""

from vmscrape_component.component.provider import main

if __name__ == "__main__":
    main()
