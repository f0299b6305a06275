"""The officers' console: server-rendered pages (Jinja2 templates, htmx) served by `hub serve` at /console.

Every page reads and writes only by executing the hub's GraphQL operations in-process, as the signed-in officer's
own principal (`api.ConsoleApi`): permissions, masking and audit are exactly the API's."""
