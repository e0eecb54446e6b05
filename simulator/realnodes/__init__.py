"""Real-node mode of the simulator: each system of the cluster is a set of namespaces of
this machine with its own container engine, joined to a public bridge with a client.

engines.py starts container engines (also for the agents' real tests); the other modules
build the nodes, their shared storage and network, and run the cluster in real time.
"""
