// scatter_add_rows_sort.comp: one compare-exchange pass (k, j) of a bitonic
// sort of the positions 0 … n−1 of index by (index, position), the stable
// order of ScatterAddRows' sums; perm holds pow2 ≥ n entries, positions
// from n on standing for +∞ keys. An index that is not a row sorts first
// (key −1). With first set, perm is taken to be 0, 1, … (the pass (2, 1)
// writes it). Invocation t handles the pair i = (t/j)·2j + t%j, l = i + j:
// no two invocations touch one entry.
// CPU reference: backend/cpu/scatter.go countingSort (the same order).
// Bindings: 0 index (n), 1 perm (pow2, uint). Uniforms: n, rows, pow2, k, j, first.
layout(local_size_x = WG) in;
layout(std430, binding = 0) readonly buffer Index { float index[]; };
layout(std430, binding = 1) buffer Perm { uint perm[]; };
uniform int n;
uniform int rows;
uniform int pow2;
uniform int k;
uniform int j;
uniform int first;

int key(uint p) { return p >= uint(n) ? 0x7fffffff : class_index(index[p], rows); }

bool less(uint a, uint b) {
	int ka = key(a), kb = key(b);
	return ka < kb || (ka == kb && a < b);
}

void main() {
	uint uj = uint(j);
	FOR_EACH(t, pow2 / 2) {
		uint i = (t / uj) * 2u * uj + t % uj, l = i + uj;
		uint a = first != 0 ? i : perm[i], b = first != 0 ? l : perm[l];
		bool up = (i & uint(k)) == 0u;
		if (up ? less(b, a) : less(a, b)) {
			uint c = a;
			a = b;
			b = c;
		}
		perm[i] = a;
		perm[l] = b;
	}
}
