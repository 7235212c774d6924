"""Wire samples written by the tests: NewsML-G2 items of any version and status, WARC archives (warcio) of news pages."""

import io

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title} | {site}</title>
<meta property="article:published_time" content="{date}"></head>
<body><nav><a href="/">Inicio</a> <a href="/mundo">Mundo</a> <a href="/deportes">Deportes</a></nav>
<main><article><h1>{title}</h1>
{paragraphs}
</article></main>
<footer>© {site}. Todos los derechos reservados. Aviso legal. Política de privacidad.</footer></body></html>"""


def page(title: str, paragraphs: list, *, lang: str = "es", site: str = "Diario Ejemplo",
         date: str = "2024-01-05T10:30:00+00:00") -> bytes:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return PAGE.format(lang=lang, title=title, site=site, date=date, paragraphs=body).encode("utf-8")


def warc(responses, *, gzip: bool = True, requests: bool = True) -> bytes:
    """A WARC of ``(url, status line, content type, payload, WARC-Date)`` responses, each after its request record."""
    out = io.BytesIO()
    writer = WARCWriter(out, gzip=gzip)
    for url, status, kind, payload, fetched in responses:
        if requests:
            request = StatusAndHeaders("GET / HTTP/1.1", [("Host", url.split("/")[2])], is_http_request=True)
            writer.write_record(writer.create_warc_record(url, "request", http_headers=request,
                                                          warc_headers_dict={"WARC-Date": fetched}))
        headers = StatusAndHeaders(status, [("Content-Type", kind)], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                      http_headers=headers, warc_headers_dict={"WARC-Date": fetched}))
    return out.getvalue()


QUAKE = ["Un sismo de magnitud 6,1 sacudió este viernes el norte de Chile sin que se reportaran daños, informó el "
         "Servicio Sismológico Nacional en un comunicado difundido al mediodía.",
         "El movimiento se registró a las 10.00 hora local y tuvo su epicentro a 50 kilómetros al sureste de "
         "Iquique, a una profundidad de 98 kilómetros, según el organismo.",
         "La Oficina Nacional de Emergencia descartó riesgo de tsunami en la costa y dijo que los servicios básicos "
         "funcionaban con normalidad en las regiones de Tarapacá y Antofagasta."]


G2 = """<?xml version="1.0" encoding="UTF-8"?>
<newsItem xmlns="http://iptc.org/std/nar/2006-10-01/" guid="{guid}" version="{version}" standard="NewsML-G2">
  <itemMeta>
    <itemClass qcode="ninat:text"/>
    <provider qcode="nprov:REUTERS"><name>Reuters</name></provider>
    <versionCreated>{created}</versionCreated>
    <pubStatus qcode="stat:{status}"/>
    {signal}
  </itemMeta>
  <contentMeta><headline>{headline}</headline><language tag="en"/></contentMeta>
  <contentSet>{body}</contentSet>
</newsItem>
"""
BODY = '<inlineXML contenttype="application/xhtml+xml"><html xmlns="http://www.w3.org/1999/xhtml"><body><p>{}</p></body></html></inlineXML>'


def g2(guid="tag:reuters.com,2024:newsml_L1N3E0001", version=1, created="2024-01-05T10:00:00Z", status="usable",
       headline="Chile quake", text="A quake shook northern Chile on Friday.", signal=""):
    body = BODY.format(text) if text else ""
    return G2.format(guid=guid, version=version, created=created, status=status, headline=headline, body=body,
                     signal=f'<signal qcode="sig:{signal}"/>' if signal else "")
