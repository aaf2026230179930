//! Vectors and rotations in the scene frame: the few operations forward
//! kinematics needs, kept apart from the body they move.

/// A 3D vector in metres (or a direction).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Vec3 {
    /// First axis.
    pub x: f64,
    /// Second axis.
    pub y: f64,
    /// Third axis.
    pub z: f64,
}

impl Vec3 {
    /// The zero vector.
    pub const ZERO: Vec3 = Vec3::new(0.0, 0.0, 0.0);
    /// Unit x.
    pub const X: Vec3 = Vec3::new(1.0, 0.0, 0.0);
    /// Unit y.
    pub const Y: Vec3 = Vec3::new(0.0, 1.0, 0.0);
    /// Unit z.
    pub const Z: Vec3 = Vec3::new(0.0, 0.0, 1.0);

    /// Builds a vector.
    #[must_use]
    pub const fn new(x: f64, y: f64, z: f64) -> Vec3 {
        Vec3 { x, y, z }
    }

    /// Dot product.
    #[must_use]
    pub fn dot(self, o: Vec3) -> f64 {
        self.x * o.x + self.y * o.y + self.z * o.z
    }

    /// Cross product (right-handed).
    #[must_use]
    pub fn cross(self, o: Vec3) -> Vec3 {
        Vec3::new(
            self.y * o.z - self.z * o.y,
            self.z * o.x - self.x * o.z,
            self.x * o.y - self.y * o.x,
        )
    }

    /// Euclidean length.
    #[must_use]
    pub fn len(self) -> f64 {
        self.dot(self).sqrt()
    }

    /// The unit vector along `self`, or `fallback` when `self` is (nearly)
    /// zero: a degenerate direction must never become NaN in a track.
    #[must_use]
    pub fn unit_or(self, fallback: Vec3) -> Vec3 {
        let l = self.len();
        if l > 1e-9 { self * (1.0 / l) } else { fallback }
    }

    /// Linear interpolation: `self` at 0, `o` at 1.
    #[must_use]
    pub fn lerp(self, o: Vec3, s: f64) -> Vec3 {
        self + (o - self) * s
    }
}

impl std::ops::Add for Vec3 {
    type Output = Vec3;
    fn add(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x + o.x, self.y + o.y, self.z + o.z)
    }
}

impl std::ops::Sub for Vec3 {
    type Output = Vec3;
    fn sub(self, o: Vec3) -> Vec3 {
        Vec3::new(self.x - o.x, self.y - o.y, self.z - o.z)
    }
}

impl std::ops::Mul<f64> for Vec3 {
    type Output = Vec3;
    fn mul(self, s: f64) -> Vec3 {
        Vec3::new(self.x * s, self.y * s, self.z * s)
    }
}

impl std::ops::Neg for Vec3 {
    type Output = Vec3;
    fn neg(self) -> Vec3 {
        Vec3::new(-self.x, -self.y, -self.z)
    }
}

/// A rotation, stored as the images of the three local axes (columns).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mat3 {
    /// Image of local x.
    pub x: Vec3,
    /// Image of local y.
    pub y: Vec3,
    /// Image of local z.
    pub z: Vec3,
}

impl Mat3 {
    /// No rotation.
    pub const IDENTITY: Mat3 = Mat3 {
        x: Vec3::X,
        y: Vec3::Y,
        z: Vec3::Z,
    };

    /// A segment frame from where its long axis (`up`, toward the head) and
    /// its front (`front`, anterior) point; `front` is made perpendicular.
    #[must_use]
    pub fn from_up_front(up: Vec3, front: Vec3) -> Mat3 {
        let y = up.unit_or(Vec3::Y);
        let z = (front - y * front.dot(y)).unit_or(Vec3::Z);
        Mat3 {
            x: y.cross(z),
            y,
            z,
        }
    }

    /// Rotation about local x by `a`: positive tips y toward z (flexion).
    #[must_use]
    pub fn rot_x(a: f64) -> Mat3 {
        let (s, c) = a.sin_cos();
        Mat3 {
            x: Vec3::X,
            y: Vec3::new(0.0, c, s),
            z: Vec3::new(0.0, -s, c),
        }
    }

    /// Rotation about local y by `a`: positive turns z toward x (to the left).
    #[must_use]
    pub fn rot_y(a: f64) -> Mat3 {
        let (s, c) = a.sin_cos();
        Mat3 {
            x: Vec3::new(c, 0.0, -s),
            y: Vec3::Y,
            z: Vec3::new(s, 0.0, c),
        }
    }

    /// Rotation about local z by `a`: positive tips x toward y.
    #[must_use]
    pub fn rot_z(a: f64) -> Mat3 {
        let (s, c) = a.sin_cos();
        Mat3 {
            x: Vec3::new(c, s, 0.0),
            y: Vec3::new(-s, c, 0.0),
            z: Vec3::Z,
        }
    }

    /// Applies the rotation to a vector given in the local frame.
    #[must_use]
    pub fn apply(&self, v: Vec3) -> Vec3 {
        self.x * v.x + self.y * v.y + self.z * v.z
    }

    /// Expresses a parent-frame vector in this frame (the inverse rotation).
    #[must_use]
    pub fn inverse_apply(&self, v: Vec3) -> Vec3 {
        Vec3::new(self.x.dot(v), self.y.dot(v), self.z.dot(v))
    }

    /// `self * o`: `o` is a rotation expressed in this frame.
    #[must_use]
    pub fn then(&self, o: &Mat3) -> Mat3 {
        Mat3 {
            x: self.apply(o.x),
            y: self.apply(o.y),
            z: self.apply(o.z),
        }
    }
}
