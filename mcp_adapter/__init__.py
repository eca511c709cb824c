"""The MCP adapter: MCP tool calls turned into calls to the Mailing Manager REST API.

It is a separate, thin process that talks to the service over HTTP only, so it
imports nothing from the service package.
"""
