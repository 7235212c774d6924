from newsdedup.components import connected_components


def test_components_named_by_smallest_member():
    roots = connected_components([("d", "c"), ("c", "b"), ("x", "y")])
    assert roots == {"b": "b", "c": "b", "d": "b", "x": "x", "y": "x"}


def test_edge_order_does_not_matter():
    edges = [(3, 9), (1, 5), (5, 9), (7, 8), (2, 2)]
    assert connected_components(edges) == connected_components(list(reversed(edges)))
    assert connected_components(edges)[9] == 1


def test_no_edges():
    assert connected_components([]) == {}
