/** The agent's version, reported in `vigil_agent_build_info` and `User-Agent`; kept equal to package.json. */
export const AGENT_VERSION = '0.1.0';
