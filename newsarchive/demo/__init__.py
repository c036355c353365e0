"""The bundled offline demo: an event site and three news outlets, served on loopback."""
