"""MCP adapter: turns MCP tool calls into Mailing Manager REST calls."""
