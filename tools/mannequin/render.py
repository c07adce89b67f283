"""CPU rendering of the mannequin: a ray-marched signed-distance-field body in a simple room,
drawn by a GLSL fragment shader through moderngl on Mesa's EGL (llvmpipe), no GPU needed.

The body is capsules blended with a smooth minimum (torso as two side-by-side capsules, so it is
wider than deep), a head with a drawn face and hair (MediaPipe's person detector keys on the face),
shoes, a textured floor with a mat, a wall, one soft-shadowed key light and sky fill."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .camera import Camera
from .skeleton import Body

MAX_CAPS = 32

VERTEX = """
#version 330
in vec2 pos;
out vec2 uv;
void main() { uv = pos * 0.5 + 0.5; gl_Position = vec4(pos, 0.0, 1.0); }
"""

FRAGMENT = """
#version 330
in vec2 uv;
out vec4 color;
uniform vec3 cam_pos, cam_fwd, cam_right, cam_up;
uniform float focal, aspect;
uniform int n_caps;
uniform vec4 cap_a[%(N)d];
uniform vec4 cap_b[%(N)d];
uniform int cap_mat[%(N)d];
uniform vec3 mat_color[7];
uniform vec4 chair;   // seat centre x, seat top y, facing (+1/-1: where the knees point), 1 = there is a chair
uniform vec3 head_c, face_dir, head_up;
uniform float head_r;
uniform vec3 bb_min, bb_max;
uniform vec3 light_dir, light_color, floor_a, floor_b, wall_color, mat_rug;
uniform vec4 rug;   // x0, z0, x1, z1
uniform float wall_z;

float sd_cap(vec3 p, vec3 a, vec3 b, float ra, float rb) {
    vec3 pa = p - a, ba = b - a;
    float h = clamp(dot(pa, ba) / max(dot(ba, ba), 1e-8), 0.0, 1.0);
    return length(pa - ba * h) - mix(ra, rb, h);
}
float smin(float a, float b, float k) {
    float h = clamp(0.5 + 0.5 * (b - a) / k, 0.0, 1.0);
    return mix(b, a, h) - k * h * (1.0 - h);
}
float sd_head(vec3 p) {
    vec3 q = p - head_c;
    vec3 side = normalize(cross(face_dir, head_up));
    vec3 l = vec3(dot(q, side), dot(q, head_up), dot(q, face_dir));
    vec3 s = vec3(0.82, 1.08, 0.95) * head_r;
    float k0 = length(l / s), k1 = length(l / (s * s));
    float d = k0 * (k0 - 1.0) / k1;
    float nose = length(l - vec3(0.0, -0.1 * head_r, 0.92 * head_r)) - 0.16 * head_r;
    return smin(d, nose, 0.02);
}
float sd_box(vec3 p, vec3 c, vec3 h) {
    vec3 q = abs(p - c) - h;
    return length(max(q, 0.0)) + min(max(q.x, max(q.y, q.z)), 0.0);
}
float chair_d(vec3 p) {   // a seat on four legs with a backrest behind the sitter
    float x = chair.x, y = chair.y, f = chair.z;
    float d = sd_box(p, vec3(x, y - 0.025, 0.0), vec3(0.21, 0.025, 0.22));
    for (int i = 0; i < 4; i++) {
        float sx = (i < 2) ? 0.18 : -0.18, sz = (i %% 2 == 0) ? 0.19 : -0.19;
        d = min(d, sd_box(p, vec3(x + sx, y * 0.5, sz), vec3(0.02, y * 0.5, 0.02)));
    }
    return min(d, sd_box(p, vec3(x - f * 0.2, y + 0.22, 0.0), vec3(0.02, 0.22, 0.2)));
}
float body(vec3 p, out int mat) {
    float d = sd_head(p);
    mat = 0;
    float best = d;
    for (int i = 0; i < n_caps; i++) {
        float di = sd_cap(p, cap_a[i].xyz, cap_b[i].xyz, cap_a[i].w, cap_b[i].w);
        if (di < best) { best = di; mat = cap_mat[i]; }
        d = smin(d, di, 0.025);
    }
    if (chair.w > 0.5) {
        float dc = chair_d(p);
        if (dc < d) { d = dc; mat = 6; }
    }
    return d;
}
float body_d(vec3 p) { int m; return body(p, m); }
vec3 body_normal(vec3 p) {
    const vec2 k = vec2(1.0, -1.0);
    const float e = 0.002;
    return normalize(k.xyy * body_d(p + k.xyy * e) + k.yyx * body_d(p + k.yyx * e) +
                     k.yxy * body_d(p + k.yxy * e) + k.xxx * body_d(p + k.xxx * e));
}
bool box_hit(vec3 ro, vec3 rd, out float t0, out float t1) {
    vec3 inv = 1.0 / rd;
    vec3 a = (bb_min - ro) * inv, b = (bb_max - ro) * inv;
    vec3 lo = min(a, b), hi = max(a, b);
    t0 = max(max(lo.x, lo.y), lo.z);
    t1 = min(min(hi.x, hi.y), hi.z);
    return t1 > max(t0, 0.0);
}
float shadow(vec3 ro, vec3 rd) {
    float t0, t1;
    if (!box_hit(ro, rd, t0, t1)) return 1.0;
    float res = 1.0, t = max(t0, 0.01);
    for (int i = 0; i < 40 && t < t1; i++) {
        float h = body_d(ro + rd * t);
        res = min(res, 10.0 * h / t);
        if (res < 0.02) return 0.0;
        t += clamp(h, 0.01, 0.2);
    }
    return clamp(res, 0.0, 1.0);
}
vec3 face_color(vec3 p, vec3 base) {
    vec3 q = normalize(p - head_c);
    vec3 side = normalize(cross(face_dir, head_up));
    float f = dot(q, face_dir), u = dot(q, head_up), s = dot(q, side);
    vec3 c = base;
    if (u > 0.25 && f < 0.55) c = mat_color[5];                 // hair: crown and back
    if (f < -0.2 && u > -0.35) c = mat_color[5];
    if (f > 0.7 && abs(abs(s) - 0.33) < 0.09 && abs(u - 0.22) < 0.07) c = vec3(0.05);  // eyes
    if (f > 0.7 && abs(abs(s) - 0.33) < 0.13 && abs(u - 0.38) < 0.025) c = mat_color[5]; // brows
    if (f > 0.8 && abs(s) < 0.2 && abs(u + 0.42) < 0.035) c = vec3(0.55, 0.15, 0.15);   // mouth
    return c;
}
vec3 shade(vec3 p, vec3 n, vec3 albedo, float sh) {
    float diff = max(dot(n, light_dir), 0.0) * sh;
    float sky = 0.5 + 0.5 * n.y;
    return albedo * (light_color * diff + vec3(0.42, 0.45, 0.5) * sky + vec3(0.08));
}
void main() {
    vec2 ndc = uv * 2.0 - 1.0;
    vec3 rd = normalize(cam_fwd * focal + cam_right * ndc.x * aspect * 0.5 + cam_up * ndc.y * 0.5);
    vec3 ro = cam_pos;
    // Background: floor (y = 0) and the wall behind the body.
    float t_bg = 1e9;
    vec3 col = vec3(0.7, 0.75, 0.8);
    int bg = 0;
    if (rd.y < -1e-4) { float tf = -ro.y / rd.y; if (tf < t_bg) { t_bg = tf; bg = 1; } }
    if (abs(rd.z) > 1e-4) { float tw = (wall_z - ro.z) / rd.z; if (tw > 0.0 && tw < t_bg) { t_bg = tw; bg = 2; } }
    // Body.
    float t0, t1;
    bool hit = false;
    vec3 p;
    int mat = 0;
    if (box_hit(ro, rd, t0, t1)) {
        float t = max(t0, 0.0);
        for (int i = 0; i < 96 && t < min(t1, t_bg); i++) {
            p = ro + rd * t;
            float d = body(p, mat);
            if (d < 0.0015) { hit = true; break; }
            t += d;
        }
    }
    if (hit) {
        vec3 n = body_normal(p);
        vec3 albedo = mat_color[mat];
        if (mat == 0) albedo = face_color(p, albedo);
        float sh = shadow(p + n * 0.01, light_dir);
        col = shade(p, n, albedo, sh);
        col += 0.15 * pow(max(dot(reflect(rd, n), light_dir), 0.0), 16.0) * sh;
    } else if (bg == 1) {
        p = ro + rd * t_bg;
        vec3 albedo;
        if (p.x > rug.x && p.x < rug.z && p.z > rug.y && p.z < rug.w) {
            albedo = mat_rug * (0.92 + 0.08 * sin(p.x * 60.0));
        } else {
            float plank = floor(p.z / 0.18);
            float grain = 0.5 + 0.5 * sin(p.x * 9.0 + plank * 7.3 + sin(p.x * 1.7 + plank) * 2.0);
            albedo = mix(floor_a, floor_b, grain * 0.6 + 0.4 * fract(plank * 0.618));
            if (fract(p.z / 0.18) < 0.04) albedo *= 0.6;
        }
        float sh = shadow(p + vec3(0.0, 0.002, 0.0), light_dir);
        col = shade(p, vec3(0.0, 1.0, 0.0), albedo, sh);
    } else if (bg == 2) {
        p = ro + rd * t_bg;
        vec3 albedo = wall_color;
        if (p.y < 0.1) albedo = vec3(0.92);
        col = shade(p, vec3(0.0, 0.0, -sign(rd.z)), albedo, 1.0) * 0.9;
    }
    col = pow(clamp(col, 0.0, 1.0), vec3(1.0 / 2.2));
    color = vec4(col, 1.0);
}
""" % {"N": MAX_CAPS}


@dataclass(frozen=True)
class Look:
    """Clothing, skin, room and light: what varies between people and rooms."""
    skin: tuple = (0.78, 0.57, 0.45)
    shirt: tuple = (0.15, 0.35, 0.7)
    pants: tuple = (0.12, 0.12, 0.14)
    shoes: tuple = (0.9, 0.9, 0.92)
    hair: tuple = (0.18, 0.11, 0.06)
    floor_a: tuple = (0.55, 0.38, 0.22)
    floor_b: tuple = (0.42, 0.27, 0.15)
    wall: tuple = (0.82, 0.8, 0.74)
    rug: tuple = (0.25, 0.5, 0.45)
    light_dir: tuple = (0.4, 0.8, 0.45)
    light: tuple = (0.9, 0.85, 0.8)


SKIN, SHIRT, PANTS, SHOES, HAIR = 1, 2, 3, 4, 5
CHAIR_COLOR = (0.45, 0.3, 0.18)


def capsules(j: dict, body: Body) -> list[tuple]:
    """(a, b, radius_a, radius_b, material) for every body part."""
    g = body.girth * body.height_scale
    z = np.array([0.0, 0.0, 1.0])
    caps = []
    for off in (-0.055, 0.055):  # torso: two capsules side by side (wider than deep)
        o = z * off * body.height_scale
        caps += [(j["pelvis"] + o, j["spine1"] + o, 0.105 * g, 0.1 * g, PANTS),
                 (j["spine1"] + o, j["spine2"] + o, 0.1 * g, 0.105 * g, SHIRT),
                 (j["spine2"] + o, j["chest"] + o, 0.105 * g, 0.1 * g, SHIRT)]
    caps.append((j["chest"], j["neck"], 0.05 * g, 0.045 * g, SKIN))
    for s in ("l", "r"):
        caps += [
            (j[f"{s}_shoulder"], j[f"{s}_elbow"], 0.05 * g, 0.042 * g, SHIRT),
            (j[f"{s}_elbow"], j[f"{s}_wrist"], 0.04 * g, 0.032 * g, SKIN),
            (j[f"{s}_wrist"], j[f"{s}_hand"], 0.03 * g, 0.026 * g, SKIN),
            (j[f"{s}_hip"], j[f"{s}_knee"], 0.075 * g, 0.055 * g, PANTS),
            (j[f"{s}_knee"], j[f"{s}_ankle"], 0.052 * g, 0.04 * g, PANTS),
            (j[f"{s}_heel"], j[f"{s}_toe"], 0.035 * g, 0.03 * g, SHOES),
            (j[f"{s}_ankle"], j[f"{s}_heel"], 0.04 * g, 0.035 * g, SHOES),
        ]
    return caps


class Renderer:
    """Use as a context manager; `render(joints, body, camera, look)` returns a BGR uint8 image."""

    def __init__(self, width: int, height: int):
        self.width, self.height = width, height

    def __enter__(self):
        import moderngl

        self.ctx = moderngl.create_standalone_context(backend="egl")
        self.prog = self.ctx.program(vertex_shader=VERTEX, fragment_shader=FRAGMENT)
        quad = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4")
        self.vbo = self.ctx.buffer(quad.tobytes())
        self.vao = self.ctx.vertex_array(self.prog, [(self.vbo, "2f", "pos")])
        self.fbo = self.ctx.simple_framebuffer((self.width, self.height))
        return self

    def __exit__(self, *exc):
        self.ctx.release()

    def _set(self, name, value):
        if name in self.prog:
            self.prog[name].value = value

    def render(self, j: dict, body: Body, cam: Camera, look: Look, rug_box=(-1.2, -0.45, 1.2, 0.45),
               wall_z: float = -2.5, chair: tuple | None = None) -> np.ndarray:
        """`chair`: (seat centre x, seat top y, +1/-1 the way the knees point) for a seated
        exercise, None for none."""
        c, fwd, right, up = cam.basis()
        import math
        self._set("cam_pos", tuple(c))
        self._set("cam_fwd", tuple(fwd))
        self._set("cam_right", tuple(right))
        self._set("cam_up", tuple(up))
        self._set("focal", 0.5 / math.tan(math.radians(cam.fov_deg) / 2))
        self._set("aspect", cam.width / cam.height)
        caps = capsules(j, body)
        a = [(0.0, 0.0, 0.0, 0.0)] * MAX_CAPS
        b = [(0.0, 0.0, 0.0, 0.0)] * MAX_CAPS
        m = [0] * MAX_CAPS
        for i, (pa, pb, ra, rb, mat) in enumerate(caps):
            a[i] = (*map(float, pa), float(ra))
            b[i] = (*map(float, pb), float(rb))
            m[i] = mat
        self.prog["cap_a"].value = a
        self.prog["cap_b"].value = b
        self.prog["cap_mat"].value = m
        self._set("n_caps", len(caps))
        self.prog["mat_color"].value = [look.skin, look.skin, look.shirt, look.pants, look.shoes, look.hair,
                                        CHAIR_COLOR]
        self._set("chair", (0.0, 0.0, 1.0, 0.0) if chair is None else (*map(float, chair), 1.0))
        bs = body.height_scale
        self._set("head_c", tuple(map(float, j["head"])))
        self._set("face_dir", tuple(map(float, j["face_dir"])))
        self._set("head_up", tuple(map(float, j["head_up"])))
        self._set("head_r", float(body.head_r * bs))
        pts = [v for k, v in j.items() if k not in ("face_dir", "head_up")]
        if chair is not None:   # the chair is inside the ray-marched box too
            pts += [np.array([chair[0] + dx, y, dz]) for dx in (-0.25, 0.25) for y in (0.0, chair[1] + 0.45)
                    for dz in (-0.25, 0.25)]
        pts = np.array(pts)
        self._set("bb_min", tuple(map(float, pts.min(axis=0) - 0.2)))
        self._set("bb_max", tuple(map(float, pts.max(axis=0) + 0.2)))
        ld = np.array(look.light_dir, float)
        self._set("light_dir", tuple(ld / np.linalg.norm(ld)))
        self._set("light_color", look.light)
        self._set("floor_a", look.floor_a)
        self._set("floor_b", look.floor_b)
        self._set("wall_color", look.wall)
        self._set("mat_rug", look.rug)
        self._set("rug", rug_box)
        self._set("wall_z", wall_z)
        self.fbo.use()
        self.vao.render(mode=self.ctx.TRIANGLE_STRIP)
        raw = self.fbo.read(components=3)
        img = np.frombuffer(raw, dtype=np.uint8).reshape(self.height, self.width, 3)
        return np.ascontiguousarray(img[::-1, :, ::-1])  # GL rows are bottom-up; RGB -> BGR
