import { expect, test } from "bun:test";
import { nodeDetails } from "./nodes.ts";
import { demultiplexLogLines } from "./service-logs.ts";
import { chooseAdvertiseAddress, localSwarmOf } from "./swarm.ts";

const iface = (address: string, netmask = "255.255.255.0", internal = false) => ({
  address,
  netmask,
  family: "IPv4",
  internal,
});

test("the advertise address is on the manager's subnet, or the only one there is", () => {
  const interfaces = {
    lo: [iface("127.0.0.1", "255.0.0.0", true)],
    eth0: [iface("10.0.0.5")],
    wg0: [iface("192.168.7.2")],
  };
  expect(chooseAdvertiseAddress(interfaces, "192.168.7.1:2377")).toBe("192.168.7.2");
  expect(chooseAdvertiseAddress(interfaces, "10.0.0.1")).toBe("10.0.0.5");
  expect(chooseAdvertiseAddress(interfaces)).toBeNull();
  expect(chooseAdvertiseAddress({ lo: interfaces.lo, eth0: interfaces.eth0 })).toBe("10.0.0.5");
});

test("the Engine's swarm info and node JSON in pier's terms", () => {
  expect(
    localSwarmOf({
      Swarm: { LocalNodeState: "active", NodeID: "n1", ControlAvailable: true, NodeAddr: "10.0.0.5" },
    }),
  ).toEqual({
    state: "active",
    nodeId: "n1",
    manager: true,
    nodeAddr: "10.0.0.5",
    managers: [],
  });
  expect(localSwarmOf({}).state).toBe("inactive");
  const node = nodeDetails({
    ID: "abc",
    Version: { Index: 7 },
    Spec: { Role: "manager", Availability: "drain", Labels: { zone: "a" } },
    Description: {
      Hostname: "pi-1",
      Platform: { Architecture: "aarch64", OS: "linux" },
      Resources: { NanoCPUs: 4e9, MemoryBytes: 8e9 },
      Engine: { EngineVersion: "20.10.24" },
    },
    Status: { State: "ready", Addr: "0.0.0.0" },
    ManagerStatus: { Leader: true, Addr: "10.0.0.7:2377" },
  });
  expect(node).toMatchObject({
    hostname: "pi-1",
    role: "manager",
    availability: "drain",
    arch: "aarch64",
    addr: "10.0.0.7",
    cpus: 4,
    leader: true,
  });
});

test("service logs are demultiplexed into lines", () => {
  const frame = (stream: number, text: string) => {
    const body = new TextEncoder().encode(text);
    return [stream, 0, 0, 0, 0, 0, 0, body.length, ...body];
  };
  expect(demultiplexLogLines(new Uint8Array([...frame(1, "one\ntw"), ...frame(2, "o\n")]))).toEqual([
    "one",
    "two",
  ]);
  expect(demultiplexLogLines(new TextEncoder().encode("plain\nlines\n"))).toEqual(["plain", "lines"]);
});
